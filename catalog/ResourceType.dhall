{- A user-declared resource type: the same descriptor as the built-in schemas
   in traits/ (`Trait.required Trait.integer "vcpu" (Some "{vCPU}") "…"`). -}
let ResourceType = ../traits/ResourceType.dhall

let Trait = ../traits/Trait.dhall

in  { Type = ResourceType.Type, default = { description = "" }, Trait }
