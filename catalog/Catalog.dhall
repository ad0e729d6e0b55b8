{- A catalog. Its own `products` and `discounts` form the operator's base
   part (seller `sellerId`); `parts` adds partner parts, usually imported from
   separate files, each declared in `partners` (its files and seller ids).
   `fxRates`: 1 `from` = `rate` `to`. -}
let Product = ./Product.dhall

let Discount = ./Discount.dhall

let Part = ./Part.dhall

let Partner = ./Partner.dhall

let ResourceType = ./ResourceType.dhall

let Example = ./Example.dhall

let FxRate = { from : Text, to : Text, rate : Double }

in  { Type =
        { name : Text
        , sellerId : Optional Text
        , products : List Product.Type
        , discounts : List Discount.Type
        , parts : List Part.Type
        , partners : List Partner.Type
        , resourceTypes : List ResourceType.Type
        , baseCurrency : Optional Text
        , fxRates : List FxRate
        , examples : List Example.Type
        }
    , default =
      { sellerId = None Text
      , products = [] : List Product.Type
      , discounts = [] : List Discount.Type
      , parts = [] : List Part.Type
      , partners = [] : List Partner.Type
      , resourceTypes = [] : List ResourceType.Type
      , baseCurrency = None Text
      , fxRates = [] : List FxRate
      , examples = [] : List Example.Type
      }
    , FxRate
    }
