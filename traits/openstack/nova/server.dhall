let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = { disk : Optional Integer
      , diskEphemeral : Optional Integer
      , diskRoot : Optional Integer
      , flavor : Optional Text
      , ramMb : Optional Integer
      , state : Text
      , vcpu : Optional Integer
      }

let schema
    : ResourceType.Type
    = { id = "openstack.nova.server"
      , platform = "OpenStack"
      , displayName = "Nova - Server"
      , description = "A virtual machine."
      , traits = [ Trait.optional Trait.integer "disk" (Some "GiBy") "Virtual machine disk size in GiB"
        , Trait.optional Trait.integer "diskEphemeral" (Some "GiBy") "Virtual machine ephemeral disk size in GiB"
        , Trait.optional Trait.integer "diskRoot" (Some "GiBy") "Virtual machine root disk size in GiB"
        , Trait.optional Trait.text "flavor" Trait.noUnit "Name of the flavor (not id)"
        , Trait.optional Trait.integer "ramMb" (Some "MiBy") "RAM size of the virtual machine in MiB"
        , Trait.required Trait.text "state" Trait.noUnit "Virtual machine state"
        , Trait.optional Trait.integer "vcpu" (Some "{vCPU}") "Number of virtual CPUs"
        ]
      }

in  { Type = Traits, schema }
