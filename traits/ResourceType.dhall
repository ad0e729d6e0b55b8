{- The descriptor of a resource type: what ratecard reads from each
   `traits/<platform>/<type>.dhall` file's `schema` field.

   Every resource-type file is a record `{ Type, schema }`: `Type` is the
   Dhall record type of the traits (annotate sample values with it), `schema`
   the descriptor below. Both are written next to each other so they agree;
   the test suite checks they do.
-}
let Trait = ./Trait.dhall

let Descriptor =
      { id : Text
      , platform : Text
      , displayName : Text
      , description : Text
      , traits : List Trait.Type
      }

in  { Type = Descriptor, noTraits = [] : List Trait.Type }
