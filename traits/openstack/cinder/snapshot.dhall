let Trait = ../../Trait.dhall

let ResourceType = ../../ResourceType.dhall

let Traits = { availabilityZone : Optional Text
      , replicationStatus : Optional Text
      , status : Text
      , volumeSize : Integer
      }

let schema
    : ResourceType.Type
    = { id = "openstack.cinder.snapshot"
      , platform = "OpenStack"
      , displayName = "Cinder - Volume Snapshot"
      , description = "A snapshot of a block storage volume."
      , traits = [ Trait.optional Trait.text "availabilityZone" Trait.noUnit "Availability zone of the volume snapshot"
        , Trait.optional Trait.text "replicationStatus" Trait.noUnit "Replication status of the volume"
        , Trait.required Trait.text "status" Trait.noUnit "Status of the volume snapshot, see https://docs.openstack.org/api-ref/block-storage/v3/#volume-snapshots-snapshots"
        , Trait.required Trait.integer "volumeSize" (Some "GiBy") "Size of the volume snapshot in GiB"
        ]
      }

in  { Type = Traits, schema }
