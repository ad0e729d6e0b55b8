let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = { listeners : Optional Integer
      , operatingStatus : Optional Text
      , pools : Optional Integer
      , provider : Optional Text
      }

let schema
    : ResourceType.Type
    = { id = "openstack.neutron.load-balancer"
      , platform = "OpenStack"
      , displayName = "Neutron - Load Balancer"
      , description = "An Octavia load balancer."
      , traits = [ Trait.optional Trait.integer "listeners" (Some "{listener}") "Number of load balancer listeners"
        , Trait.optional Trait.text "operatingStatus" Trait.noUnit "Operating status of the load balancer. One of ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR."
        , Trait.optional Trait.integer "pools" (Some "{pool}") "Number of load balancer backend pools"
        , Trait.optional Trait.text "provider" Trait.noUnit "The loadbalancer provider"
        ]
      }

in  { Type = Traits, schema }
