let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , products =
      [ common.vmHours // { validUntil = Some "2026-11-01" }
      ,     common.vmHours
        //  { validFrom = Some "2026-10-15", price = C.Price.perUnit "EUR" 0.04 }
      ]
    }
