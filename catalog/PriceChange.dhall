{- One step of a product's price schedule: from `from` on, `price` replaces the
   price before it. `forExisting = False` grandfathers: only resources created
   at or after `from` pay the new price, older ones keep theirs (a resource is
   created at its earliest row in the input, normally its create event).
   `from` is `YYYY-MM-DD` (midnight UTC) or RFC 3339. -}
let Price = ./Price.dhall

let PriceChange = { from : Text, price : Price.Type, forExisting : Bool }

in  { Type = PriceChange
    , at =
        \(from : Text) ->
        \(price : Price.Type) ->
          { from, price, forExisting = True } : PriceChange
    , forNewResources =
        \(from : Text) ->
        \(price : Price.Type) ->
          { from, price, forExisting = False } : PriceChange
    }
