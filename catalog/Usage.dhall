{- How a product measures quantity, in the UCUM unit its price is quoted in. -}
let UsageKind = < Time | TimeQuantity | Quantity | Recurring | OneTime >

let Usage = { kind : UsageKind, unit : Text, trait : Optional Text, prorate : Bool }

in  { Type = Usage
    , UsageKind
    , time =
        \(unit : Text) ->
          { kind = UsageKind.Time, unit, trait = None Text, prorate = False }
    , timeQuantity =
        \(trait : Text) ->
        \(unit : Text) ->
          { kind = UsageKind.TimeQuantity, unit, trait = Some trait, prorate = False }
    , quantity =
        \(trait : Text) ->
        \(unit : Text) ->
          { kind = UsageKind.Quantity, unit, trait = Some trait, prorate = False }
    , recurring =
        \(unit : Text) ->
          { kind = UsageKind.Recurring, unit, trait = None Text, prorate = False }
    , recurringProrated =
        \(unit : Text) ->
          { kind = UsageKind.Recurring, unit, trait = None Text, prorate = True }
    , oneTime = { kind = UsageKind.OneTime, unit = "1", trait = None Text, prorate = False }
    }
