{- A report-level discount or fee.

   `scope` selects the line items by where they ran: every field that is set
   must equal the line item's, an unset field matches everything. Unlike a
   product's scope, the platform type is optional too, so the default selector
   covers every platform (a cross-platform commitment discount);
   `C.Discount.within (C.Scope.platformType "OpenStack")` narrows it to the
   fields of a product scope. `discountScope` holds full-match regexes on the
   report lines; `seller` issues the line (defaults to the part's seller). -}
let Scope = ./Scope.dhall

let Seller = ./Seller.dhall

let DiscountRule = ./DiscountRule.dhall

let Selector =
      { Type =
          { platformType : Optional Text
          , location : Optional Text
          , platformInstance : Optional Text
          , tenant : Optional Text
          , cell : Optional Text
          }
      , default =
        { platformType = None Text
        , location = None Text
        , platformInstance = None Text
        , tenant = None Text
        , cell = None Text
        }
      }

let within =
      \(scope : Scope.Type) ->
        { platformType = Some scope.platformType
        , location = scope.location
        , platformInstance = scope.platformInstance
        , tenant = scope.tenant
        , cell = scope.cell
        }

let DiscountScope =
      { Type =
          { sellerId : Text
          , productDisplayName : Text
          , usageTypeDisplayName : Text
          }
      , default =
        { sellerId = ".*", productDisplayName = ".*", usageTypeDisplayName = ".*" }
      }

in  { Type =
        { id : Text
        , displayName : Text
        , rule : DiscountRule.Type
        , scope : Selector.Type
        , discountScope : DiscountScope.Type
        , seller : Optional Seller.Type
        , validFrom : Optional Text
        , validUntil : Optional Text
        }
    , default =
      { scope = Selector.default
      , discountScope = DiscountScope.default
      , seller = None Seller.Type
      , validFrom = None Text
      , validUntil = None Text
      }
    , Scope = DiscountScope
    , Selector
    , within
    }
