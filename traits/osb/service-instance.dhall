let Trait = ../Trait.dhall

let ResourceType = ../ResourceType.dhall

let Traits = { serviceId : Text, planId : Text, planName : Optional Text }

let schema
    : ResourceType.Type
    = { id = "osb.service-instance"
      , platform = "Open Service Broker"
      , displayName = "Service Instance"
      , description = "A service instance provisioned through an Open Service Broker API."
      , traits = [ Trait.required Trait.text "serviceId" Trait.noUnit "Id of the service in the broker catalog"
        , Trait.required Trait.text "planId" Trait.noUnit "Id of the plan in the broker catalog"
        , Trait.optional Trait.text "planName" Trait.noUnit "Name of the plan"
        ]
      }

in  { Type = Traits, schema }
