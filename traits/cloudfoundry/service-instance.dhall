let Trait = ../Trait.dhall

let ResourceType = ../ResourceType.dhall

let Traits = { planId : Text, type : Text }

let schema
    : ResourceType.Type
    = { id = "cloudfoundry.service-instance"
      , platform = "Cloud Foundry"
      , displayName = "Service Instance"
      , description = "A Cloud Foundry service instance."
      , traits = [ Trait.required Trait.text "planId" Trait.noUnit "GUID of the service plan"
        , Trait.required Trait.text "type" Trait.noUnit "managed_service_instance or user_provided_service_instance"
        ]
      }

in  { Type = Traits, schema }
