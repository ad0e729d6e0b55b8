{- An operator-authored test: these samples, rated for `period`, must cost
   exactly `expectedTotal` (optionally only for one product), to the 12 decimal
   places line items keep. `expectedReport` also pins one tenant's report total
   after discounts, fees, rounding and FX. Samples have the JSON Lines shape;
   write traits with `toMap { vcpu = C.Value.natural 4 }`. A sample's cell and
   labels sit beside its scope (`cell = Some "web"`, `labels = toMap { team =
   "blue" }`): Dhall cannot default a field of the nested scope record. -}
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
          , cell : Optional Text
          , labels : List { mapKey : Text, mapValue : Text }
          }
      , default =
        { event = None Text
        , cell = None Text
        , labels = [] : List { mapKey : Text, mapValue : Text }
        }
      }

let ExpectedReport = { tenant : Text, currency : Text, total : Double }

in  { Type =
        { name : Text
        , samples : List Sample.Type
        , period : Text
        , expectedTotal : Double
        , currency : Text
        , productId : Optional Text
        , expectedReport : Optional ExpectedReport
        }
    , default = { productId = None Text, expectedReport = None ExpectedReport }
    , Sample
    }
