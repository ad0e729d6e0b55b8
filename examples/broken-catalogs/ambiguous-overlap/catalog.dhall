let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , products =
      [     common.vmHours
        //  { filter =
              [ C.Condition.oneOf
                  "flavor"
                  [ C.Value.text "m1.small", C.Value.text "m1.large" ]
              ]
            }
      ,     common.vmHours
        //  { filter = [ C.Condition.equals "flavor" (C.Value.text "m1.large") ]
            , price = C.Price.perUnit "EUR" 0.08
            }
      ]
    }
