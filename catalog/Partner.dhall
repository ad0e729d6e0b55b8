{- A partner the operator admits to the catalog: the files it owns (paths
   relative to the catalog's directory, each evaluating to a `C.Part`) and
   the seller ids it may sell under. The root catalog is the authority: a
   partner file cannot widen what is declared here. -}
{ Type = { name : Text, sellerIds : List Text, files : List Text }
, default = {=}
}
