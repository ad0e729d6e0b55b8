{- Helpers for declaring resource-trait schemas.

   A trait descriptor is plain data (name, type, optional-ness, UCUM unit,
   description) so ratecard can read it from Python; the type names are the
   Dhall type a trait value has in a sample.

   Usage:
     let Trait = ./Trait.dhall
     in  [ Trait.required Trait.integer "vcpu" (Some "{vCPU}") "Number of virtual CPUs"
         , Trait.optional Trait.text "flavor" Trait.noUnit "Name of the flavor"
         ]
-}
let Descriptor =
      { name : Text
      , type : Text
      , optional : Bool
      , unit : Optional Text
      , description : Text
      }

let make =
      \(optional : Bool) ->
      \(type : Text) ->
      \(name : Text) ->
      \(unit : Optional Text) ->
      \(description : Text) ->
        { name, type, optional, unit, description } : Descriptor

in  { Type = Descriptor
    , required = make False
    , optional = make True
    , noUnit = None Text
    , text = "Text"
    , integer = "Integer"
    , natural = "Natural"
    , double = "Double"
    , bool = "Bool"
    , listText = "List Text"
    , listInteger = "List Integer"
    , listNatural = "List Natural"
    , listDouble = "List Double"
    , listBool = "List Bool"
    }
