{- A throttling rule: while a quota or budget is at or above `atLeast` percent
   of its limit, the tenant (or only its `cell`) may not do the `deny` actions.

   `when = C.Throttle.budgetAt "compute" 100.0` holds once the budget with id
   "compute" is spent; `C.Throttle.quotaAt "vcpus" 95.0` once that quota is 95 %
   used. An action is a verb on a resource type, as agents ask for it:
   `C.Throttle.create "openstack.nova.server"`, or `{ action = "upload",
   resourceType = "s3.bucket" }`. -}
let Subject = < Quota | Budget >

let Trigger = { subject : Subject, id : Text, atLeast : Double }

let Action = { action : Text, resourceType : Text }

in  { Type =
        { id : Text
        , tenant : Text
        , cell : Optional Text
        , when : Trigger
        , deny : List Action
        }
    , default = { cell = None Text }
    , Subject
    , Trigger
    , Action
    , quotaAt =
        \(id : Text) ->
        \(atLeast : Double) ->
          { subject = Subject.Quota, id, atLeast } : Trigger
    , budgetAt =
        \(id : Text) ->
        \(atLeast : Double) ->
          { subject = Subject.Budget, id, atLeast } : Trigger
    , create =
        \(resourceType : Text) -> { action = "create", resourceType } : Action
    }
