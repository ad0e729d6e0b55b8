{- A typed trait value used in conditions and example samples.
   The binding renders a union alternative with payload as the bare payload,
   which is exactly the JSON scalar a sample carries. -}
let Value = < Text : Text | Integer : Integer | Natural : Natural | Double : Double | Bool : Bool >

in  { Type = Value
    , text = \(t : Text) -> Value.Text t
    , integer = \(i : Integer) -> Value.Integer i
    , natural = \(n : Natural) -> Value.Natural n
    , double = \(d : Double) -> Value.Double d
    , bool = \(b : Bool) -> Value.Bool b
    }
