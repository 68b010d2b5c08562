//! The entity types under short names, for `use entity::prelude::*`.

pub use crate::ad_metrics::Entity as AdMetrics;
pub use crate::ad_sets::Entity as AdSets;
pub use crate::ads::Entity as Ads;
pub use crate::ads_content::Entity as AdsContent;
pub use crate::audit::Entity as Audit;
pub use crate::campaign_authority::Entity as CampaignAuthority;
pub use crate::campaigns::Entity as Campaigns;
pub use crate::connected_accounts::Entity as ConnectedAccounts;
pub use crate::content_containers::Entity as ContentContainers;
pub use crate::layers::Entity as Layers;
pub use crate::oauth_state_uses::Entity as OauthStateUses;
pub use crate::optimizer_runs::Entity as OptimizerRuns;
pub use crate::organizations::Entity as Organizations;
pub use crate::partner_keys::Entity as PartnerKeys;
pub use crate::pending_actions::Entity as PendingActions;
pub use crate::platform_creatives::Entity as PlatformCreatives;
