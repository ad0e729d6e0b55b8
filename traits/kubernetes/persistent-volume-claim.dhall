let Trait = ../Trait.dhall

let ResourceType = ../ResourceType.dhall

let Traits = { status : Text, storageClassName : Optional Text, storageMb : Integer }

let schema
    : ResourceType.Type
    = { id = "kubernetes.persistent-volume-claim"
      , platform = "Kubernetes"
      , displayName = "PersistentVolumeClaim"
      , description = "A Kubernetes/OpenShift persistent volume claim."
      , traits = [ Trait.required Trait.text "status" Trait.noUnit "Claim phase: Pending, Bound or Lost"
        , Trait.optional Trait.text "storageClassName" Trait.noUnit "Name of the storage class of the claim"
        , Trait.required Trait.integer "storageMb" (Some "MiBy") "Requested storage in MiB"
        ]
      }

in  { Type = Traits, schema }
