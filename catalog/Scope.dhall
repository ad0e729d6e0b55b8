{- Which samples an entry applies to (meshStack's scope selectors).
   Specificity: PlatformType < PlatformInstance < Tenant < Cell. Every field
   that is set must equal the sample's scope field. A Cell selector names the
   tenant and one of its cells (`scope.cell`: a project, department, OU). -}
let Level = < PlatformType | PlatformInstance | Tenant | Cell >

let Scope =
      { level : Level
      , platformType : Text
      , location : Optional Text
      , platformInstance : Optional Text
      , tenant : Optional Text
      , cell : Optional Text
      }

let base =
      \(level : Level) ->
      \(platformType : Text) ->
        { level
        , platformType
        , location = None Text
        , platformInstance = None Text
        , tenant = None Text
        , cell = None Text
        }

in  { Type = Scope
    , Level
    , default =
      { location = None Text
      , platformInstance = None Text
      , tenant = None Text
      , cell = None Text
      }
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
    , cell =
        \(platformType : Text) ->
        \(tenant : Text) ->
        \(cell : Text) ->
          base Level.Cell platformType // { tenant = Some tenant, cell = Some cell }
    }
