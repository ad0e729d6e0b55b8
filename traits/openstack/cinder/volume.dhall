let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = { availabilityZone : Optional Text
      , replicationStatus : Optional Text
      , size : Integer
      , status : Text
      , type : Optional Text
      }

let schema
    : ResourceType.Type
    = { id = "openstack.cinder.volume"
      , platform = "OpenStack"
      , displayName = "Cinder - Volume"
      , description = "A block storage volume."
      , traits = [ Trait.optional Trait.text "availabilityZone" Trait.noUnit "Availability zone of the volume"
        , Trait.optional Trait.text "replicationStatus" Trait.noUnit "Replication status of the volume"
        , Trait.required Trait.integer "size" (Some "GiBy") "Size of the volume in GiB"
        , Trait.required Trait.text "status" Trait.noUnit "Status of the volume, see https://docs.openstack.org/api-ref/block-storage/v3/#volumes-volumes"
        , Trait.optional Trait.text "type" Trait.noUnit "Type of the volume"
        ]
      }

in  { Type = Traits, schema }
