{- One file's contribution to a catalog: the operator's base products or a
   partner's products sold under the partner's seller id. -}
let Product = ./Product.dhall

let Discount = ./Discount.dhall

in  { Type =
        { name : Text
        , sellerId : Text
        , isPartner : Bool
        , products : List Product.Type
        , discounts : List Discount.Type
        }
    , default = { isPartner = True, discounts = [] : List Discount.Type }
    }
