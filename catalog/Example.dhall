{- An operator-authored test: these samples, rated for `period`, must cost
   exactly `expectedTotal` (optionally only for one product). Samples have the
   JSON Lines shape; write traits with `toMap { vcpu = C.Value.natural 4 }`. -}
let Value = ./Value.dhall

let Sample =
      { Type =
          { time : Text
          , event : Optional Text
          , resource : { id : Text, type : Text, name : Optional Text }
          , scope :
              { platformType : Text
              , location : Optional Text
              , platformInstance : Optional Text
              , tenant : Optional Text
              }
          , traits : List { mapKey : Text, mapValue : Value.Type }
          }
      , default = { event = None Text }
      }

in  { Type =
        { name : Text
        , samples : List Sample.Type
        , period : Text
        , expectedTotal : Double
        , currency : Text
        , productId : Optional Text
        }
    , default = { productId = None Text }
    , Sample
    }
