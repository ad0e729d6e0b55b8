{- The ratecard catalog language. Import it as
   `let C = ../catalog/package.dhall` (path relative to your catalog). -}
{ Catalog = ./Catalog.dhall
, Part = ./Part.dhall
, Partner = ./Partner.dhall
, Product = ./Product.dhall
, Scope = ./Scope.dhall
, Condition = ./Condition.dhall
, Value = ./Value.dhall
, Usage = ./Usage.dhall
, Price = ./Price.dhall
, PriceChange = ./PriceChange.dhall
, Tier = ./Tier.dhall
, Seller = ./Seller.dhall
, Discount = ./Discount.dhall
, DiscountRule = ./DiscountRule.dhall
, ResourceType = ./ResourceType.dhall
, Example = ./Example.dhall
, Quota = ./Quota.dhall
, Budget = ./Budget.dhall
, Throttle = ./Throttle.dhall
, Dimensions = ./Dimensions.dhall
, FxRate = (./Catalog.dhall).FxRate
}
