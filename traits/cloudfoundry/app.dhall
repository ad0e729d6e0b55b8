let Trait = ../Trait.dhall

let ResourceType = ../ResourceType.dhall

let Traits = { appState : Text, event : Optional Text, instances : Integer, ramMb : Integer, size : Optional Integer }

let schema
    : ResourceType.Type
    = { id = "cloudfoundry.app"
      , platform = "Cloud Foundry"
      , displayName = "App"
      , description = "A Cloud Foundry application."
      , traits = [ Trait.required Trait.text "appState" Trait.noUnit "Desired state of the app: STARTED or STOPPED"
        , Trait.optional Trait.text "event" Trait.noUnit "Last Cloud Foundry usage event of the app, e.g. APP_START"
        , Trait.required Trait.integer "instances" (Some "{instance}") "Number of app instances"
        , Trait.required Trait.integer "ramMb" (Some "MiBy") "Memory per instance in MiB"
        , Trait.optional Trait.integer "size" (Some "MiBy") "Disk quota per instance in MiB"
        ]
      }

in  { Type = Traits, schema }
