let Trait = ../Trait.dhall

let ResourceType = ../ResourceType.dhall

let Traits = { landingZoneName : Optional Text, platformType : Text }

let schema
    : ResourceType.Type
    = { id = "mesh.tenant"
      , platform = "meshStack"
      , displayName = "Tenant"
      , description = "A tenant (project on a platform); products can charge per tenant."
      , traits = [ Trait.optional Trait.text "landingZoneName" Trait.noUnit "Landing zone the tenant was created in"
        , Trait.required Trait.text "platformType" Trait.noUnit "Platform type of the tenant, e.g. OpenStack"
        ]
      }

in  { Type = Traits, schema }
