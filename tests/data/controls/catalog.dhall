{- Quotas, budgets and throttling for tests/test_controls.py: tenant "acme"
   with cells "web" and "batch", servers priced per vCPU hour. -}
let C = ../../../catalog/package.dhall

let server = "openstack.nova.server"

let active = C.Condition.oneOf "state" [ C.Value.text "ACTIVE" ]

in  C.Catalog::{
    , name = "controls"
    , sellerId = Some "acme-cloud"
    , products =
      [ C.Product::{
        , id = "vm-vcpu"
        , displayName = "Virtual machine vCPU"
        , resourceType = server
        , scope = C.Scope.platformType "OpenStack"
        , usage = C.Usage.timeQuantity "vcpu" "{vCPU}.h"
        , usageType = "vCPU hours"
        , price = C.Price.perUnit "EUR" 0.01
        , seller = C.Seller::{ sellerId = "acme-cloud", sellerProductGroup = "Compute" }
        }
      ]
    , quotas =
      [ C.Quota::{
        , id = "acme-vcpu"
        , tenant = "acme"
        , resourceType = server
        , measure = C.Quota.sum "vcpu" "{vCPU}"
        , limit = 30.0
        }
      , C.Quota::{
        , id = "acme-ram"
        , tenant = "acme"
        , resourceType = server
        , measure = C.Quota.sum "ramMb" "GiBy"
        , limit = 64.0
        }
      , C.Quota::{
        , id = "acme-active-servers"
        , tenant = "acme"
        , resourceType = server
        , filter = [ active ]
        , limit = 4.0
        , warning = 50.0
        , critical = 75.0
        }
      , C.Quota::{
        , id = "web-vcpu"
        , tenant = "acme"
        , cell = Some "web"
        , resourceType = server
        , measure = C.Quota.sum "vcpu" "{vCPU}"
        , limit = 16.0
        }
      ]
    , budgets =
      [ C.Budget::{ id = "acme-compute", tenant = "acme", amount = 210.0, currency = "EUR" }
      ]
    , throttling =
      [ C.Throttle::{
        , id = "no-servers-when-broke"
        , tenant = "acme"
        , when = C.Throttle.budgetAt "acme-compute" 100.0
        , deny = [ C.Throttle.create server ]
        }
      , C.Throttle::{
        , id = "web-ram-full"
        , tenant = "acme"
        , cell = Some "web"
        , when = C.Throttle.quotaAt "acme-ram" 95.0
        , deny = [ C.Throttle.create server ]
        }
      ]
    }
