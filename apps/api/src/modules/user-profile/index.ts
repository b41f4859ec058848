export { UserProfileModule } from './user-profile.module';
