let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , baseCurrency = Some "EUR"
    , fxRates = [ { from = "GBP", to = "EUR", rate = 1.17 } ]
    , products =
      [ common.vmHours
      , common.vmHours // { id = "vm-hours-us", price = C.Price.perUnit "USD" 0.06 }
      ]
    }
