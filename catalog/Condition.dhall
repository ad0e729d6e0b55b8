{- A condition on one trait; all conditions of a filter must hold.
   Range is [atLeast, below): lower bound inclusive, upper bound exclusive. -}
let Value = ./Value.dhall

let Op = < Equals | OneOf | NotOneOf | Regex | Range | Present | Absent >

let Condition =
      { trait : Text
      , op : Op
      , values : List Value.Type
      , pattern : Optional Text
      , atLeast : Optional Double
      , below : Optional Double
      }

let make =
      \(op : Op) ->
      \(trait : Text) ->
        { trait
        , op
        , values = [] : List Value.Type
        , pattern = None Text
        , atLeast = None Double
        , below = None Double
        }

in  { Type = Condition
    , Op
    , equals =
        \(trait : Text) ->
        \(value : Value.Type) ->
          make Op.Equals trait // { values = [ value ] }
    , oneOf =
        \(trait : Text) ->
        \(values : List Value.Type) ->
          make Op.OneOf trait // { values }
    , notOneOf =
        \(trait : Text) ->
        \(values : List Value.Type) ->
          make Op.NotOneOf trait // { values }
    , regex =
        \(trait : Text) ->
        \(pattern : Text) ->
          make Op.Regex trait // { pattern = Some pattern }
    , range =
        \(trait : Text) ->
        \(atLeast : Optional Double) ->
        \(below : Optional Double) ->
          make Op.Range trait // { atLeast, below }
    , atLeast =
        \(trait : Text) ->
        \(atLeast : Double) ->
          make Op.Range trait // { atLeast = Some atLeast }
    , below =
        \(trait : Text) ->
        \(below : Double) ->
          make Op.Range trait // { below = Some below }
    , present = make Op.Present
    , absent = make Op.Absent
    }
