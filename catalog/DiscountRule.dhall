{- meshStack's three discount/fee rules. Values are signed: negative is a
   discount, positive a fee. Tiers: the highest threshold reached wins. -}
let RuleKind = < FixedPercentage | TieredPercentage | TieredFixedAmount >

let Tier = { threshold : Double, value : Double }

let Rule =
      { kind : RuleKind
      , percentage : Optional Double
      , tiers : List Tier
      , currency : Optional Text
      }

in  { Type = Rule
    , RuleKind
    , Tier
    , fixedPercentage =
        \(percentage : Double) ->
          { kind = RuleKind.FixedPercentage
          , percentage = Some percentage
          , tiers = [] : List Tier
          , currency = None Text
          }
    , tieredPercentage =
        \(tiers : List Tier) ->
          { kind = RuleKind.TieredPercentage
          , percentage = None Double
          , tiers
          , currency = None Text
          }
    , tieredFixedAmount =
        \(currency : Text) ->
        \(tiers : List Tier) ->
          { kind = RuleKind.TieredFixedAmount
          , percentage = None Double
          , tiers
          , currency = Some currency
          }
    }
