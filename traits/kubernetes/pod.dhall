let Trait = ../Trait.dhall

let ResourceType = ../ResourceType.dhall

let Traits = { milliCpu : Integer, ramMb : Integer, status : Text }

let schema
    : ResourceType.Type
    = { id = "kubernetes.pod"
      , platform = "Kubernetes"
      , displayName = "Pod"
      , description = "A Kubernetes/OpenShift pod; requests summed over its containers."
      , traits = [ Trait.required Trait.integer "milliCpu" (Some "m{CPU}") "CPU requested by the pod's containers in millicores"
        , Trait.required Trait.integer "ramMb" (Some "MiBy") "Memory requested by the pod's containers in MiB"
        , Trait.required Trait.text "status" Trait.noUnit "Pod phase: Pending, Running, Succeeded, Failed or Unknown"
        ]
      }

in  { Type = Traits, schema }
