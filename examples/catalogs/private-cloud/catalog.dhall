{- ACME's private cloud: OpenStack (two regions), Kubernetes, Cloud Foundry,
   a service broker and meshStack tenants, plus a storage partner.
   Prices in EUR (CHF for Cloud Foundry, run from Zurich); reports convert
   to EUR with the FX table below. -}
let C = ../../../catalog/package.dhall

let compute = C.Seller::{ sellerId = "acme", sellerProductGroup = "Compute" }

let storage = C.Seller::{ sellerId = "acme", sellerProductGroup = "Storage" }

let network = C.Seller::{ sellerId = "acme", sellerProductGroup = "Network" }

let platform = C.Seller::{ sellerId = "acme", sellerProductGroup = "Platform" }

let openstack = C.Scope.platformType "OpenStack"

let kubernetes = C.Scope.platformType "Kubernetes"

let active = C.Condition.oneOf "state" [ C.Value.text "ACTIVE" ]

let openstackProducts =
      [ C.Product::{
        , id = "vm-vcpu"
        , displayName = "Virtual machine vCPU"
        , resourceType = "openstack.nova.server"
        , scope = openstack
        , filter = [ active ]
        , usage = C.Usage.timeQuantity "vcpu" "{vCPU}.h"
        , usageType = "vCPU hours"
        , price = C.Price.perUnit "EUR" 0.012
        , priceSchedule =
          [ C.PriceChange.at "2026-10-15" (C.Price.perUnit "EUR" 0.011) ]
        , seller = compute
        }
      , C.Product::{
        , id = "vm-vcpu"
        , displayName = "Virtual machine vCPU"
        , description = "eu-de-2 runs on newer, dearer hardware"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.location "OpenStack" "eu-de-2"
        , filter = [ active ]
        , usage = C.Usage.timeQuantity "vcpu" "{vCPU}.h"
        , usageType = "vCPU hours"
        , price = C.Price.perUnit "EUR" 0.014
        , seller = compute
        }
      , C.Product::{
        , id = "vm-ram"
        , displayName = "Virtual machine RAM"
        , resourceType = "openstack.nova.server"
        , scope = openstack
        , filter = [ active ]
        , usage = C.Usage.timeQuantity "ramMb" "GiBy.h"
        , usageType = "GiB hours"
        , price =
            C.Price.graduated
              "EUR"
              [ C.Tier.upTo 10000.0 0.004, C.Tier.rest 0.003 ]
        , seller = compute
        }
      , C.Product::{
        , id = "vm-ram"
        , displayName = "Virtual machine RAM"
        , description = "Negotiated price for project 42"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.tenant "OpenStack" "proj-42"
        , filter = [ active ]
        , usage = C.Usage.timeQuantity "ramMb" "GiBy.h"
        , usageType = "GiB hours"
        , price = C.Price.perUnit "EUR" 0.0035
        , seller = compute
        }
      , C.Product::{
        , id = "vm-gpu"
        , displayName = "GPU virtual machine"
        , resourceType = "openstack.nova.server"
        , scope = openstack
        , filter = [ active, C.Condition.regex "flavor" "g\\d+\\..*" ]
        , usage = C.Usage.time "h"
        , usageType = "GPU hours"
        , price = C.Price.minimum 50.0 (C.Price.perUnit "EUR" 1.2)
        , seller = compute
        }
      , C.Product::{
        , id = "vm-large-surcharge"
        , displayName = "Large VM surcharge"
        , resourceType = "openstack.nova.server"
        , scope = openstack
        , filter =
          [ active, C.Condition.range "vcpu" (Some 16.0) (Some 64.0) ]
        , usage = C.Usage.time "h"
        , usageType = "hours"
        , price = C.Price.perUnit "EUR" 0.05
        , seller = compute
        }
      , C.Product::{
        , id = "vm-legacy-setup"
        , displayName = "VM setup on the legacy Pike cloud"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.platformInstance "OpenStack" "eu-de-1" "pike"
        , usage = C.Usage.oneTime
        , usageType = "setups"
        , price = C.Price.perUnit "EUR" 5.0
        , seller = compute
        }
      , C.Product::{
        , id = "vm-legacy-setup"
        , displayName = "VM setup on the legacy Pike cloud"
        , description = "Queens needs no manual setup"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.platformInstance "OpenStack" "eu-de-1" "queens"
        , usage = C.Usage.oneTime
        , usageType = "setups"
        , price = C.Price.perUnit "EUR" 0.0
        , seller = compute
        }
      , C.Product::{
        , id = "volume-storage"
        , displayName = "Block storage"
        , resourceType = "openstack.cinder.volume"
        , scope = openstack
        , filter =
          [ C.Condition.notOneOf
              "status"
              [ C.Value.text "error", C.Value.text "deleting" ]
          ]
        , usage = C.Usage.timeQuantity "size" "GiBy.mo_cal"
        , usageType = "GiB calendar months"
        , price = C.Price.included 50.0 (C.Price.perUnit "EUR" 0.08)
        , seller = storage
        }
      , C.Product::{
        , id = "snapshot-storage"
        , displayName = "Volume snapshots"
        , resourceType = "openstack.cinder.snapshot"
        , scope = openstack
        , filter = [ C.Condition.equals "status" (C.Value.text "available") ]
        , usage = C.Usage.timeQuantity "volumeSize" "GiBy.mo"
        , usageType = "GiB months"
        , price = C.Price.perUnit "EUR" 0.05
        , seller = storage
        }
      , C.Product::{
        , id = "image-storage"
        , displayName = "Image storage"
        , resourceType = "openstack.glance.image"
        , scope = openstack
        , filter =
          [ C.Condition.equals "status" (C.Value.text "active")
          , C.Condition.present "size"
          ]
        , usage = C.Usage.timeQuantity "size" "GiBy.mo"
        , usageType = "GiB months"
        , price = C.Price.perUnit "EUR" 0.03
        , seller = storage
        }
      , C.Product::{
        , id = "floating-ip"
        , displayName = "Floating IP"
        , resourceType = "openstack.neutron.floating-ip"
        , scope = openstack
        , usage = C.Usage.time "h"
        , usageType = "IP hours"
        , price = C.Price.perUnit "EUR" 0.004
        , seller = network
        }
      , C.Product::{
        , id = "router"
        , displayName = "Router"
        , resourceType = "openstack.neutron.router"
        , scope = openstack
        , usage = C.Usage.time "h"
        , usageType = "router hours"
        , price = C.Price.perUnit "EUR" 0.01
        , seller = network
        }
      , C.Product::{
        , id = "load-balancer"
        , displayName = "Load balancer"
        , resourceType = "openstack.neutron.load-balancer"
        , scope = openstack
        , usage = C.Usage.recurringProrated "mo"
        , usageType = "load balancer months"
        , price = C.Price.perUnit "EUR" 15.0
        , seller = network
        }
      , C.Product::{
        , id = "dns-zone"
        , displayName = "DNS zone"
        , resourceType = "acme.dns.zone"
        , scope = openstack
        , usage = C.Usage.quantity "queries" "10*6{query}"
        , usageType = "million queries"
        , price = C.Price.package "EUR" 10.0 2.5
        , seller = network
        }
      ]

let kubernetesProducts =
      [ C.Product::{
        , id = "k8s-cpu"
        , displayName = "Kubernetes CPU"
        , resourceType = "kubernetes.pod"
        , scope = kubernetes
        , filter = [ C.Condition.equals "status" (C.Value.text "Running") ]
        , usage = C.Usage.timeQuantity "milliCpu" "{CPU}.h"
        , usageType = "CPU hours"
        , price =
            C.Price.volume
              "EUR"
              [ C.Tier.upTo 1000.0 0.02, C.Tier.rest 0.015 ]
        , seller = compute
        }
      , C.Product::{
        , id = "k8s-ram"
        , displayName = "Kubernetes memory"
        , resourceType = "kubernetes.pod"
        , scope = kubernetes
        , filter = [ C.Condition.equals "status" (C.Value.text "Running") ]
        , usage = C.Usage.timeQuantity "ramMb" "GiBy.h"
        , usageType = "GiB hours"
        , price = C.Price.perUnit "EUR" 0.003
        , seller = compute
        }
      , C.Product::{
        , id = "k8s-volume-ssd"
        , displayName = "Kubernetes SSD volume"
        , resourceType = "kubernetes.persistent-volume-claim"
        , scope = kubernetes
        , filter =
          [ C.Condition.equals "status" (C.Value.text "Bound")
          , C.Condition.oneOf "storageClassName" [ C.Value.text "ssd" ]
          ]
        , usage = C.Usage.timeQuantity "storageMb" "GiBy.mo"
        , usageType = "GiB months"
        , price = C.Price.perUnit "EUR" 0.12
        , seller = storage
        }
      , C.Product::{
        , id = "k8s-volume-standard"
        , displayName = "Kubernetes standard volume"
        , resourceType = "kubernetes.persistent-volume-claim"
        , scope = kubernetes
        , filter =
          [ C.Condition.equals "status" (C.Value.text "Bound")
          , C.Condition.notOneOf "storageClassName" [ C.Value.text "ssd" ]
          ]
        , usage = C.Usage.timeQuantity "storageMb" "GiBy.mo"
        , usageType = "GiB months"
        , price = C.Price.perUnit "EUR" 0.06
        , seller = storage
        }
      ]

let cloudFoundryProducts =
      [ C.Product::{
        , id = "cf-app-memory"
        , displayName = "Cloud Foundry app memory"
        , resourceType = "cloudfoundry.app"
        , scope = C.Scope.platformType "CloudFoundry"
        , filter = [ C.Condition.equals "appState" (C.Value.text "STARTED") ]
        , usage = C.Usage.timeQuantity "ramMb" "GiBy.h"
        , usageType = "GiB hours"
        , price = C.Price.perUnit "CHF" 0.006
        , seller = platform
        }
      , C.Product::{
        , id = "cf-app-disk"
        , displayName = "Cloud Foundry app disk"
        , resourceType = "cloudfoundry.app"
        , scope = C.Scope.platformType "CloudFoundry"
        , filter =
          [ C.Condition.absent "event", C.Condition.atLeast "instances" 1.0 ]
        , usage = C.Usage.timeQuantity "size" "GiBy.mo"
        , usageType = "GiB months"
        , price = C.Price.perUnit "CHF" 0.1
        , seller = platform
        }
      , C.Product::{
        , id = "cf-service-instance"
        , displayName = "Cloud Foundry managed service"
        , resourceType = "cloudfoundry.service-instance"
        , scope = C.Scope.platformType "CloudFoundry"
        , filter =
          [ C.Condition.equals "type" (C.Value.text "managed_service_instance") ]
        , usage = C.Usage.recurring "mo"
        , usageType = "service months"
        , price = C.Price.perUnit "CHF" 10.0
        , seller = platform
        }
      ]

let platformProducts =
      [ C.Product::{
        , id = "osb-service-hours"
        , displayName = "Broker service instance"
        , resourceType = "osb.service-instance"
        , scope = C.Scope.platformType "OSB"
        , filter = [ C.Condition.notOneOf "planName" [ C.Value.text "free" ] ]
        , usage = C.Usage.time "h"
        , usageType = "instance hours"
        , price = C.Price.package "EUR" 720.0 25.0
        , seller = platform
        }
      , C.Product::{
        , id = "tenant-fee"
        , displayName = "Project platform fee"
        , resourceType = "mesh.tenant"
        , scope = C.Scope.platformType "meshStack"
        , usage = C.Usage.recurringProrated "mo"
        , usageType = "project months"
        , price = C.Price.perUnit "EUR" 30.0
        , seller = platform
        }
      ]

in  C.Catalog::{
    , name = "acme-private-cloud"
    , sellerId = Some "acme"
    , products =
          openstackProducts
        # kubernetesProducts
        # cloudFoundryProducts
        # platformProducts
    , discounts =
      [ C.Discount::{
        , id = "team-data-discount"
        , displayName = "Data team commitment discount"
        , rule = C.DiscountRule.fixedPercentage "EUR" -5.0
        , scope = C.Discount.within (C.Scope.tenant "Kubernetes" "team-data")
        , discountScope = C.Discount.Scope::{ sellerId = "acme" }
        }
      , C.Discount::{
        , id = "partner-management-fee"
        , displayName = "Partner management fee"
        , rule = C.DiscountRule.fixedPercentage "CHF" 3.0
        , scope = C.Discount.within (C.Scope.platformType "OSB")
        , discountScope = C.Discount.Scope::{ sellerId = "storage-gmbh" }
        }
      , C.Discount::{
        , id = "openstack-support-fee"
        , displayName = "OpenStack support fee"
        , rule =
            C.DiscountRule.tieredFixedAmount
              "EUR"
              [ { threshold = 0.0, value = 10.0 }
              , { threshold = 1000.0, value = 50.0 }
              ]
        , scope = C.Discount.within openstack
        , discountScope = C.Discount.Scope::{ productDisplayName = "Virtual machine.*" }
        , validFrom = Some "2026-10-01T00:00:00Z"
        }
      , -- no scope: a commitment over every platform the operator sells on
        C.Discount::{
        , id = "commitment-discount"
        , displayName = "Cross-platform commitment discount"
        , rule =
            C.DiscountRule.tieredPercentage
              "EUR"
              [ { threshold = 10.0, value = -1.0 }
              , { threshold = 1000.0, value = -3.0 }
              ]
        , discountScope = C.Discount.Scope::{ sellerId = "acme" }
        }
      ]
    , parts = [ ./partners/storage-gmbh.dhall ]
    , partners =
      [ C.Partner::{
        , name = "storage-gmbh"
        , sellerIds = [ "storage-gmbh" ]
        , files = [ "partners/storage-gmbh.dhall" ]
        }
      ]
    , resourceTypes =
      [ C.ResourceType::{
        , id = "acme.dns.zone"
        , platform = "OpenStack"
        , displayName = "DNS zone"
        , description = "A Designate DNS zone"
        , traits =
          [ C.ResourceType.Trait.required
              C.ResourceType.Trait.integer
              "queries"
              (Some "{query}")
              "DNS queries answered since the previous sample"
          ]
        }
      ]
    , baseCurrency = Some "EUR"
    , fxRates = [ { from = "CHF", to = "EUR", rate = 1.04 } ]
    , dimensions = C.Dimensions::{
      , labels = [ "costCenter" ]
      , cellFromLabel = [ "kubernetes.io/namespace" ]
      }
    , examples =
      [ C.Example::{
        , name = "two vCPUs for three hours"
        , period = "2026-10"
        , expectedTotal = 0.072
        , currency = "EUR"
        , productId = Some "vm-vcpu"
        , samples =
            let sample =
                  \(time : Text) ->
                    C.Example.Sample::{
                    , time
                    , resource =
                      { id = "vm-1", type = "openstack.nova.server", name = Some "web-1" }
                    , scope =
                      { platformType = "OpenStack"
                      , location = Some "eu-de-1"
                      , platformInstance = Some "queens"
                      , tenant = Some "proj-7"
                      }
                    , traits =
                        toMap
                          { vcpu = C.Value.integer +2
                          , ramMb = C.Value.integer +4096
                          , state = C.Value.text "ACTIVE"
                          }
                    }

            in  [ sample "2026-10-01T10:00:00Z"
                , sample "2026-10-01T11:00:00Z"
                , sample "2026-10-01T12:00:00Z"
                ]
        }
      ]
    }
