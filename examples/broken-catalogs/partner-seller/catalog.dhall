let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , sellerId = Some "operator"
    , products = [ common.vmHours ]
    , parts = [ ./partners/acme.dhall ]
    }
