let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = {}

let schema
    : ResourceType.Type
    = { id = "openstack.neutron.floating-ip"
      , platform = "OpenStack"
      , displayName = "Neutron - Floating IP"
      , description = "A floating IP address. It has no traits; products can still charge for its existence."
      , traits = ResourceType.noTraits
      }

in  { Type = Traits, schema }
