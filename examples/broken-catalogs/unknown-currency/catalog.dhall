let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , products = [ common.vmHours // { price = C.Price.perUnit "EUX" 0.05 } ]
    }
