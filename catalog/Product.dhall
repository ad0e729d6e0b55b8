{- One catalog entry. Entries may share an `id` to override the price for a
   more specific scope or for another validity window. Validity dates are
   `YYYY-MM-DD` or RFC 3339 (UTC if no offset); `validUntil` is exclusive.
   `priceSchedule` changes the price over time without repeating the product:
   `price` holds until the first change, each change until the next.
   `serviceCategory`: one of FOCUS 1.2's ServiceCategory values ("Compute",
   "Storage", "Networking", "Databases", "Security", …); by default the
   resource type's (docs/catalog-language.md). -}
let Scope = ./Scope.dhall

let Condition = ./Condition.dhall

let Usage = ./Usage.dhall

let Price = ./Price.dhall

let Seller = ./Seller.dhall

let PriceChange = ./PriceChange.dhall

in  { Type =
        { id : Text
        , displayName : Text
        , description : Text
        , resourceType : Text
        , scope : Scope.Type
        , filter : List Condition.Type
        , usage : Usage.Type
        , usageType : Text
        , price : Price.Type
        , seller : Seller.Type
        , validFrom : Optional Text
        , validUntil : Optional Text
        , priceSchedule : List PriceChange.Type
        , serviceCategory : Optional Text
        }
    , default =
      { description = ""
      , filter = [] : List Condition.Type
      , validFrom = None Text
      , validUntil = None Text
      , priceSchedule = [] : List PriceChange.Type
      , serviceCategory = None Text
      }
    }
