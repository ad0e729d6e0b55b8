{- meshStack's three discount/fee rules. Values are signed: negative is a
   discount, positive a fee. Tiers: the highest threshold reached wins.

   Every rule names its currency, first, in the same way: thresholds and
   fixed amounts are money and mean nothing without one, and a percentage
   agreed in one currency must not silently apply to another. The rule counts
   only line items in its currency and its line is in that currency; a
   discount over several currencies is one discount per currency. -}
let RuleKind = < FixedPercentage | TieredPercentage | TieredFixedAmount >

let Tier = { threshold : Double, value : Double }

let Rule =
      { kind : RuleKind
      , currency : Text
      , percentage : Optional Double
      , tiers : List Tier
      }

in  { Type = Rule
    , RuleKind
    , Tier
    , fixedPercentage =
        \(currency : Text) ->
        \(percentage : Double) ->
          { kind = RuleKind.FixedPercentage
          , currency
          , percentage = Some percentage
          , tiers = [] : List Tier
          }
    , tieredPercentage =
        \(currency : Text) ->
        \(tiers : List Tier) ->
          { kind = RuleKind.TieredPercentage
          , currency
          , percentage = None Double
          , tiers
          }
    , tieredFixedAmount =
        \(currency : Text) ->
        \(tiers : List Tier) ->
          { kind = RuleKind.TieredFixedAmount
          , currency
          , percentage = None Double
          , tiers
          }
    }
