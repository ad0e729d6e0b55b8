{- A partner part selling a product under the operator's seller id. -}
let common = ../../common.dhall

let C = common.C

in  C.Part::{
    , name = "acme"
    , sellerId = "acme"
    , products = [ common.vmHours // { id = "acme-backup" } ]
    }
