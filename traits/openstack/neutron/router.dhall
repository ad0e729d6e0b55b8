let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = {}

let schema
    : ResourceType.Type
    = { id = "openstack.neutron.router"
      , platform = "OpenStack"
      , displayName = "Neutron - Router"
      , description = "A virtual router. It has no traits; products can still charge for its existence."
      , traits = ResourceType.noTraits
      }

in  { Type = Traits, schema }
