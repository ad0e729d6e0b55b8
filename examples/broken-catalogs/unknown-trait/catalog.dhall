let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , products =
      [     common.vmHours
        //  { filter = [ C.Condition.equals "flavour" (C.Value.text "m1.large") ] }
      ]
    }
