{- A limit on what a tenant, or one of its cells, holds right now.

   `measure` says what is counted among the tenant's (cell's) live resources of
   `resourceType` that meet every `filter` condition: `count` counts them,
   `sum "vcpu" "{vCPU}"` adds up a trait converted to a unit commensurable with
   the trait's own (`sum "ramMb" "GiBy"` counts RAM in GiB from MiB).
   `limit` is in that unit. `warning` and `critical` are percentages of the
   limit: below `warning` is green, from `warning` yellow, from `critical` red.
   A quota with a `cell` must stay within its tenant's quota of the same measure. -}
let Condition = ./Condition.dhall

let MeasureKind = < Count | Sum >

let Measure = { kind : MeasureKind, trait : Optional Text, unit : Text }

let count
    : Measure
    = { kind = MeasureKind.Count, trait = None Text, unit = "1" }

let sum =
      \(trait : Text) ->
      \(unit : Text) ->
        { kind = MeasureKind.Sum, trait = Some trait, unit } : Measure

in  { Type =
        { id : Text
        , tenant : Text
        , cell : Optional Text
        , resourceType : Text
        , filter : List Condition.Type
        , measure : Measure
        , limit : Double
        , warning : Double
        , critical : Double
        }
    , default =
      { cell = None Text
      , filter = [] : List Condition.Type
      , measure = count
      , warning = 80.0
      , critical = 95.0
      }
    , MeasureKind
    , Measure
    , count
    , sum
    }
