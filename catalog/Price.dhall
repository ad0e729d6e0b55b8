{- Currency (ISO 4217) and pricing model. `included` and `minimum` modify any
   price: a free allowance and a minimum charge per tenant, product and period. -}
let Tier = ./Tier.dhall

let Model = < PerUnit | Graduated | Volume | Package >

let Price =
      { currency : Text
      , model : Model
      , unitPrice : Double
      , tiers : List Tier.Type
      , packageSize : Optional Double
      , includedQuantity : Double
      , minimumCharge : Optional Double
      }

let make =
      \(model : Model) ->
      \(currency : Text) ->
        { currency
        , model
        , unitPrice = 0.0
        , tiers = [] : List Tier.Type
        , packageSize = None Double
        , includedQuantity = 0.0
        , minimumCharge = None Double
        }

in  { Type = Price
    , Model
    , perUnit =
        \(currency : Text) ->
        \(unitPrice : Double) ->
          make Model.PerUnit currency // { unitPrice }
    , graduated =
        \(currency : Text) ->
        \(tiers : List Tier.Type) ->
          make Model.Graduated currency // { tiers }
    , volume =
        \(currency : Text) ->
        \(tiers : List Tier.Type) ->
          make Model.Volume currency // { tiers }
    , package =
        \(currency : Text) ->
        \(packageSize : Double) ->
        \(pricePerPackage : Double) ->
              make Model.Package currency
          //  { packageSize = Some packageSize, unitPrice = pricePerPackage }
    , included =
        \(quantity : Double) ->
        \(price : Price) ->
          price // { includedQuantity = quantity }
    , minimum =
        \(amount : Double) ->
        \(price : Price) ->
          price // { minimumCharge = Some amount }
    }
