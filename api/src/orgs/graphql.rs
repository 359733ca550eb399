//! The GraphQL face of organizations, their members and invitations.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{Plan, Role, UserId, invitation, organization};

use crate::auth::graphql::{AuthPayload, User};
use crate::error::ApiResult;
use crate::graphql::connection::{CursorConnection, to_connection};
use crate::graphql::context::{ContextExt as _, audit_actor, parse_id, request_meta};
use crate::pagination::PageRequest;

use super::members;

/// An organization: the tenant that owns agents, members and keys.
pub struct Organization(pub organization::Model);

#[Object]
impl Organization {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The billing plan.
    async fn plan(&self) -> Plan {
        self.0.plan
    }

    /// Free-form organization settings (a JSON object).
    async fn settings(&self) -> Json<&serde_json::Value> {
        Json(&self.0.settings)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Changes to the organization; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub name: Option<String>,
    pub plan: Option<Plan>,
    /// Replaces the settings (a JSON object).
    pub settings: Option<Json<serde_json::Value>>,
}

/// An invitation to join the organization.
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The role the new member will have.
    async fn role(&self) -> Role {
        self.0.role
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When it was used; `null` until then.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// An invitation just created, with its single-use token: send the invitee the link.
#[derive(SimpleObject)]
pub struct CreatedInvitation {
    pub invitation: Invitation,
    /// Redeemed with `acceptInvitation`; shown only now.
    pub token: String,
    /// The dashboard path that accepts it: `/accept-invitation?token=…`.
    pub accept_path: String,
}

/// Whom to invite.
#[derive(InputObject)]
pub struct InviteMemberInput {
    pub email: String,
    pub role: Role,
}

/// Redeeming an invitation.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    pub token: String,
    /// The new member's password, at least 10 characters.
    pub password: String,
}

#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// The organization's members, newest first.
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<CursorConnection<User>> {
        let viewer = ctx.authorize("Query.members")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let found = members::list_members(ctx.state()?, viewer.org_id, page).await?;
        Ok(to_connection(found.map(User), page))
    }

    /// Invitations, newest first, used, revoked and expired ones included (admins).
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<CursorConnection<Invitation>> {
        let viewer = ctx.authorize("Query.invitations")?;
        let page = PageRequest::new(first.map(i64::from), after.as_deref())?;
        let found = members::list_invitations(ctx.state()?, viewer.org_id, page).await?;
        Ok(to_connection(found.map(Invitation), page))
    }
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Invites an email address to join with a role; the link works once, for 7 days
    /// (admins).
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> ApiResult<CreatedInvitation> {
        let viewer = ctx.authorize("Mutation.inviteMember")?;
        let actor = audit_actor(ctx)?;
        let created = members::invite(
            ctx.state()?,
            viewer.org_id,
            &actor,
            &input.email,
            input.role,
        )
        .await?;
        Ok(CreatedInvitation {
            accept_path: format!("/accept-invitation?token={}", created.token),
            invitation: Invitation(created.invitation),
            token: created.token,
        })
    }

    /// Joins the organization that sent the invitation, and signs the new member in.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        input: AcceptInvitationInput,
    ) -> ApiResult<AuthPayload> {
        ctx.authorize_optional("Mutation.acceptInvitation")?;
        members::accept(
            ctx.state()?,
            &input.token,
            input.password,
            request_meta(ctx),
        )
        .await
        .map(Into::into)
    }

    /// Withdraws an unused invitation (admins).
    async fn revoke_invitation(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Invitation> {
        let viewer = ctx.authorize("Mutation.revokeInvitation")?;
        let id: uuid::Uuid = parse_id(&id, "id")?;
        let actor = audit_actor(ctx)?;
        members::revoke_invitation(ctx.state()?, viewer.org_id, &actor, id)
            .await
            .map(Invitation)
    }

    /// Renames the organization, changes its plan or replaces its settings (admins).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> ApiResult<Organization> {
        let viewer = ctx.authorize("Mutation.updateOrganization")?;
        let actor = audit_actor(ctx)?;
        let patch = super::service::OrganizationPatch {
            name: input.name,
            plan: input.plan,
            settings: input.settings.map(|s| s.0),
        };
        super::service::update(ctx.state()?, viewer.org_id, &actor, patch)
            .await
            .map(Organization)
    }

    /// Gives a member another role; the last admin cannot be demoted (admins).
    async fn update_member_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: Role,
    ) -> ApiResult<User> {
        let viewer = ctx.authorize("Mutation.updateMemberRole")?;
        let member: UserId = parse_id(&user_id, "userId")?;
        let actor = audit_actor(ctx)?;
        members::change_role(ctx.state()?, viewer.org_id, &actor, member, role)
            .await
            .map(User)
    }

    /// Removes a member, ending their sessions at once; the last admin cannot be removed
    /// (admins). Always `true`.
    async fn remove_member(&self, ctx: &Context<'_>, user_id: ID) -> ApiResult<bool> {
        let viewer = ctx.authorize("Mutation.removeMember")?;
        let member: UserId = parse_id(&user_id, "userId")?;
        let actor = audit_actor(ctx)?;
        members::remove(ctx.state()?, viewer.org_id, &actor, member).await?;
        Ok(true)
    }
}
