{- A report-level discount or fee. `discountScope` holds full-match regexes
   selecting the report lines it is computed from; `seller` issues the line
   (defaults to the part's seller). -}
let Scope = ./Scope.dhall

let Seller = ./Seller.dhall

let DiscountRule = ./DiscountRule.dhall

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
        , scope : Scope.Type
        , discountScope : DiscountScope.Type
        , seller : Optional Seller.Type
        , validFrom : Optional Text
        , validUntil : Optional Text
        }
    , default =
      { discountScope = DiscountScope.default
      , seller = None Seller.Type
      , validFrom = None Text
      , validUntil = None Text
      }
    , Scope = DiscountScope
    }
