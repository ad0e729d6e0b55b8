{- A partner part redefining the operator's product "vm-hours". -}
let common = ../../common.dhall

let C = common.C

in  C.Part::{
    , name = "acme"
    , sellerId = "acme"
    , products =
      [     common.vmHours
        //  { seller = { sellerId = "acme", sellerProductGroup = "Compute" }
            , scope = C.Scope.location "OpenStack" "eu-de-1"
            }
      ]
    }
