{- A catalog. Its own `products` and `discounts` form the operator's base
   part (seller `sellerId`); `parts` adds partner parts, usually imported from
   separate files, each declared in `partners` (its files and seller ids).
   `fxRates`: 1 `from` = `rate` `to`. `quotas`, `budgets` and `throttling`
   control what tenants may provision (docs/quotas.md). `dimensions`: labels
   that become line-item columns and cells derived from labels (Dimensions.dhall). -}
let Product = ./Product.dhall

let Discount = ./Discount.dhall

let Part = ./Part.dhall

let Partner = ./Partner.dhall

let ResourceType = ./ResourceType.dhall

let Example = ./Example.dhall

let Quota = ./Quota.dhall

let Budget = ./Budget.dhall

let Throttle = ./Throttle.dhall

let Dimensions = ./Dimensions.dhall

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
        , quotas : List Quota.Type
        , budgets : List Budget.Type
        , throttling : List Throttle.Type
        , dimensions : Dimensions.Type
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
      , quotas = [] : List Quota.Type
      , budgets = [] : List Budget.Type
      , throttling = [] : List Throttle.Type
      , dimensions = Dimensions.default
      }
    , FxRate
    }
