{- A user-declared resource type, the same shape as the schemas in traits/. -}
let TraitType =
      < Text
      | Integer
      | Natural
      | Double
      | Bool
      | `List Text`
      | `List Integer`
      | `List Natural`
      | `List Double`
      | `List Bool`
      >

let Trait =
      { Type =
          { name : Text
          , type : TraitType
          , optional : Bool
          , unit : Optional Text
          , description : Text
          }
      , default = { optional = False, unit = None Text, description = "" }
      }

in  { Type =
        { id : Text
        , platform : Text
        , displayName : Text
        , description : Text
        , traits : List Trait.Type
        }
    , default = { description = "" }
    , Trait
    , TraitType
    }
