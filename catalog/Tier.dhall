{- A price tier: applies up to (exclusive) `upTo` units of the quantity
   aggregated per tenant, product and period; `None` = no upper limit. -}
let Tier = { upTo : Optional Double, unitPrice : Double }

in  { Type = Tier
    , upTo =
        \(upTo : Double) ->
        \(unitPrice : Double) ->
          { upTo = Some upTo, unitPrice }
    , rest = \(unitPrice : Double) -> { upTo = None Double, unitPrice }
    }
