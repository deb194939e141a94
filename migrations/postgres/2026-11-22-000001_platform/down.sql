DROP TABLE personal_api_keys;
DROP TABLE projects;
DROP TABLE organization_memberships;
DROP TABLE organizations;
DROP TABLE users;
