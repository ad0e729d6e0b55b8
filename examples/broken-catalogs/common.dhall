{- Shared pieces of the broken catalogs: each catalog takes a valid product
   and breaks exactly one thing, so it produces exactly one kind of finding. -}
let C = ../../catalog/package.dhall

let operator = { sellerId = "operator", sellerProductGroup = "Compute" }

let vmHours =
      C.Product::{
      , id = "vm-hours"
      , displayName = "VM hours"
      , resourceType = "openstack.nova.server"
      , scope = C.Scope.platformType "OpenStack"
      , filter = [ C.Condition.equals "state" (C.Value.text "ACTIVE") ]
      , usage = C.Usage.time "h"
      , usageType = "hours"
      , price = C.Price.perUnit "EUR" 0.05
      , seller = operator
      }

in  { C, operator, vmHours }
