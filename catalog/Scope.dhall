{- Which samples an entry applies to (meshStack's scope selectors).
   Specificity: PlatformType < PlatformInstance < Tenant. Every field that is
   set must equal the sample's scope field. -}
let Level = < PlatformType | PlatformInstance | Tenant >

let Scope =
      { level : Level
      , platformType : Text
      , location : Optional Text
      , platformInstance : Optional Text
      , tenant : Optional Text
      }

let base =
      \(level : Level) ->
      \(platformType : Text) ->
        { level
        , platformType
        , location = None Text
        , platformInstance = None Text
        , tenant = None Text
        }

in  { Type = Scope
    , Level
    , default =
      { location = None Text, platformInstance = None Text, tenant = None Text }
    , platformType = \(platformType : Text) -> base Level.PlatformType platformType
    , location =
        \(platformType : Text) ->
        \(location : Text) ->
          base Level.PlatformInstance platformType // { location = Some location }
    , platformInstance =
        \(platformType : Text) ->
        \(location : Text) ->
        \(platformInstance : Text) ->
              base Level.PlatformInstance platformType
          //  { location = Some location, platformInstance = Some platformInstance }
    , tenant =
        \(platformType : Text) ->
        \(tenant : Text) ->
          base Level.Tenant platformType // { tenant = Some tenant }
    }
