let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , products =
      [     common.vmHours
        //  { price =
                C.Price.graduated
                  "EUR"
                  [ C.Tier.upTo 1000.0 0.05
                  , C.Tier.upTo 500.0 0.04
                  , C.Tier.rest 0.03
                  ]
            }
      ]
    }
