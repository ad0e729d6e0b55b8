{- Your product catalog. `ratecard check catalog.dhall` validates it and runs
   the examples at the bottom; `ratecard rate catalog.dhall samples/example.jsonl
   --period 2026-10` prices the sample file. The catalog language is vendored in
   ./catalog (see its package.dhall); resource types live in ./traits. -}
let C = ./catalog/package.dhall

let operator = { sellerId = "operator", sellerProductGroup = "Compute" }

let openstack = C.Scope.platformType "OpenStack"

let active = C.Condition.equals "state" (C.Value.text "ACTIVE")

let server =
      \(id : Text) ->
      \(displayName : Text) ->
      \(usage : C.Usage.Type) ->
      \(usageType : Text) ->
      \(price : C.Price.Type) ->
        C.Product::{
        , id
        , displayName
        , resourceType = "openstack.nova.server"
        , scope = openstack
        , filter = [ active ]
        , usage
        , usageType
        , price
        , seller = operator
        }

let webServer =
      C.Example.Sample::{
      , time = "2026-10-01T00:00:00Z"
      , resource = { id = "vm-1", type = "openstack.nova.server", name = Some "web-1" }
      , scope =
        { platformType = "OpenStack"
        , location = Some "eu-de-1"
        , platformInstance = Some "pike"
        , tenant = Some "proj-42"
        }
      , traits =
          toMap
            { vcpu = C.Value.natural 2
            , ramMb = C.Value.natural 4096
            , flavor = C.Value.text "m1.medium"
            , state = C.Value.text "ACTIVE"
            }
      }

in  C.Catalog::{
    , name = "my-cloud"
    , sellerId = Some "operator"
    , products =
      [ server "vcpu-hours" "vCPU hours" (C.Usage.timeQuantity "vcpu" "{vCPU}.h") "vCPU hours"
          (C.Price.perUnit "EUR" 0.02)
      , server "ram-hours" "RAM GiB hours" (C.Usage.timeQuantity "ramMb" "GiBy.h") "RAM GiB hours"
          (C.Price.perUnit "EUR" 0.005)
      ]
    , examples =
      [ C.Example::{
        , name = "one m1.medium for one hour"
        , samples = [ webServer ]
        , period = "2026-10"
        , expectedTotal = 0.06
        , currency = "EUR"
        }
      ]
    }
