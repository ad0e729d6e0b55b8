let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = { service : Optional Text, size : Optional Integer, status : Text }

let schema
    : ResourceType.Type
    = { id = "openstack.glance.image"
      , platform = "OpenStack"
      , displayName = "Glance - Image"
      , description = "A virtual machine image."
      , traits = [ Trait.optional Trait.text "service" Trait.noUnit "The Glance backend service storing the image."
        , Trait.optional Trait.integer "size" (Some "GiBy") "The size of the image in GiB."
        , Trait.required Trait.text "status" Trait.noUnit "Image status, see https://docs.openstack.org/glance/pike/user/statuses.html"
        ]
      }

in  { Type = Traits, schema }
